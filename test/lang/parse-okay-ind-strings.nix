x: [
  ''
    line one
      indented
    ${x}
  ''
  ''no newline''
  ''  ''
  ''
    esc '' ''' ''$ ''${ ''\n ''\t ''\x $ ' end
  ''
  ''
    a

    b
  ''
  ''
    keep
      trailing   ''
  ''${x}${x}''
  ''

  ''
]
