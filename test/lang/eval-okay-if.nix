[ (if true then 1 else 2) (if 1 == 2 then 1 else if false then 2 else 3) ]
