x: [ "" "plain" "esc \" \\ \n \r \t \$ \{ \q" "a${"b"}c" "${x}" "x$" "$$" "$${x}" "a\${b}" "multi
line" "crcrlf
end" ]
