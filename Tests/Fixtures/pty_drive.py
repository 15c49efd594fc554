#!/usr/bin/env python3
"""Drives a program on a real pseudo-terminal, for p2psh's interactive tests.

Usage: pty_drive.py PROGRAM [ARGS...] < steps.json
  steps.json is a list of steps, run in order:
    {"expect": "text", "timeout": 5}   wait until the output so far (since the last expect) contains text
    {"send": "keys"}                   type keys (use \\r for Enter, \\t for TAB, \\u0003 for Ctrl-C)
    {"sleep": 0.2}
    {"signal": 15}                     send the program a signal
    {"resize": [24, 40]}               set the terminal's rows and columns (the program gets SIGWINCH)
    {"exit": 0, "timeout": 10}         wait for the program to exit with this status
    {"run": ["prog", "arg"], "status": 0, "timeout": 30}
                                       run another program to completion meanwhile (its output
                                       goes to stderr); fail unless it exits with this status
  Prints the whole transcript to stdout; exits 1 with a reason on stderr if a step fails.
Uses only the standard library (pty.fork gives the child a controlling terminal).
"""
import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

steps = json.load(sys.stdin)
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

transcript = b""
unread_from = 0


def pump(timeout):
    global transcript
    ready, _, _ = select.select([fd], [], [], timeout)
    if ready:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        transcript += chunk
    return True


def fail(reason):
    sys.stdout.write(transcript.decode("utf-8", "replace"))
    sys.stderr.write("pty_drive: " + reason + "\n")
    try:
        os.kill(pid, 9)
    except OSError:
        pass
    sys.exit(1)


for step in steps:
    if "send" in step:
        os.write(fd, step["send"].encode())
    elif "signal" in step:
        os.kill(pid, step["signal"])
    elif "resize" in step:
        rows, columns = step["resize"]
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    elif "run" in step:
        try:
            done = subprocess.run(step["run"], stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=step.get("timeout", 30))
        except subprocess.TimeoutExpired:
            fail("%r still running after %ss" % (step["run"], step.get("timeout", 30)))
        sys.stderr.write(done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace"))
        if done.returncode != step.get("status", 0):
            fail("%r exited with %d, wanted %d" % (step["run"], done.returncode, step.get("status", 0)))
        pump(0)
    elif "sleep" in step:
        end = time.time() + step["sleep"]
        while time.time() < end:
            pump(0.02)
    elif "expect" in step:
        wanted = step["expect"].encode()
        end = time.time() + step.get("timeout", 5)
        while wanted not in transcript[unread_from:]:
            if time.time() > end:
                fail("did not see %r within %ss" % (step["expect"], step.get("timeout", 5)))
            if not pump(0.05):
                fail("output ended before %r" % step["expect"])
        unread_from = transcript.index(wanted, unread_from) + len(wanted)
    elif "exit" in step:
        end = time.time() + step.get("timeout", 10)
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                if code != step["exit"]:
                    fail("exit status %d, wanted %d" % (code, step["exit"]))
                break
            if time.time() > end:
                fail("still running after %ss" % step.get("timeout", 10))
            pump(0.05)
while pump(0.05):
    pass
sys.stdout.write(transcript.decode("utf-8", "replace"))
