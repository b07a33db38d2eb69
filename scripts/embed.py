#!/usr/bin/env python3
"""Turn a text file into a C string constant: embed.py INPUT OUTPUT SYMBOL."""
import sys


def main():
    src, dst, symbol = sys.argv[1:4]
    with open(src, 'rb') as f:
        data = f.read()
    body = ''.join('\\x%02x' % b for b in data)
    lines = [body[i:i + 96] for i in range(0, len(body), 96)] or ['']
    with open(dst, 'w') as f:
        f.write('/* Generated from %s by scripts/embed.py: do not edit. */\n' % src)
        f.write('const char %s[] =\n' % symbol)
        f.write('\n'.join('\t"%s"' % line for line in lines))
        f.write(';\n')


if __name__ == '__main__':
    main()
