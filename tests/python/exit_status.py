# Ends the way MODE says; the test compares the exit status with native CPython's.
import sys

mode = sys.argv[1]
if mode == "raise":
    raise ValueError("uncaught")
if mode == "message":
    sys.exit("a message goes to stderr, status 1")
sys.exit(int(mode))
