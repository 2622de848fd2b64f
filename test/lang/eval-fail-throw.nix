let f = x: throw "custom message ${x}"; in f "here"
