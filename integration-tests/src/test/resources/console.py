"""Types keys into an interactive shell on a pseudo-terminal, as an operator would (a TAB to complete,
a newline to run), and prints what the shell showed after them (ANSI stripped). Exits 0 once every
expected word was shown, 1 when the deadline passed first.

usage: console.py SECONDS PROMPT KEYS EXPECTED... -- COMMAND ARGS...
"""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

ANSI = re.compile(rb"\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][A-Z0-9]|[=>]|\][^\x07]*\x07)")


def main():
    seconds, prompt, keys, *rest = sys.argv[1:]
    cut = rest.index("--")
    expected, argv = rest[:cut], rest[cut + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    deadline = time.monotonic() + float(seconds)

    def read_until(done):
        seen = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            if done(ANSI.sub(b"", seen).decode("utf-8", "replace")):
                return seen, True
        return seen, False

    try:
        _, ready = read_until(lambda text: prompt in text)
        if not ready:
            print("no prompt '%s' within %s s" % (prompt, seconds))
            return 1
        os.write(fd, keys.encode("utf-8"))
        shown, complete = read_until(lambda text: all(word in text for word in expected))
        print(ANSI.sub(b"", shown).decode("utf-8", "replace"))
        return 0 if complete else 1
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    sys.exit(main())
