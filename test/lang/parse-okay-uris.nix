[ http://example.org/a?b=c&d=e https://x.org/~user/a+b mirror://gnu/hello.tar.gz x:y ]
