/abs/x//y
