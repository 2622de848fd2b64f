{ x ? 1 }: { value = x + 1; self = ./.; }
