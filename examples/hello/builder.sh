# Builds `hello`: a shell script that prints $greeting and the contents of src/message.txt.
# Run by /bin/sh with the derivation's attributes in the environment ($out, $src, $greeting).
set -e
PATH=/usr/bin:/bin
mkdir -p "$out/bin" "$out/share/hello"
cp "$src/message.txt" "$out/share/hello/message.txt"
cat > "$out/bin/hello" <<SCRIPT
#!/bin/sh
echo "$greeting"
cat "$out/share/hello/message.txt"
SCRIPT
chmod +x "$out/bin/hello"
