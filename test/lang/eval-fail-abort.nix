if true then abort "stop" else 1
