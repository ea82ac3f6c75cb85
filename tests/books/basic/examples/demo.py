"""A demo program."""
import sys

# ANCHOR: main
def main():
    print("hello from the demo")
# ANCHOR_END: main

if __name__ == "__main__":
    main()
