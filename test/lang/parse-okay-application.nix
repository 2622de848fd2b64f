f: g: x: [ (f x) (f x x) ((f x) x) (f (g x)) (f g x x) (-f x) ((-f) x) (f x.y) (f x.y or g) (f [ x ]) (f { a = x; }) ]
