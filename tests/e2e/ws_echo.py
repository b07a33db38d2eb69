#!/usr/bin/python3
"""A websocket echo server for e2e-http (python3-websockets): every message
comes back as it was sent. Usage: ws_echo.py ADDRESS PORT"""
import asyncio
import sys

import websockets


async def echo(ws, path=None):
    async for msg in ws:
        await ws.send(msg)


async def main():
    async with websockets.serve(echo, sys.argv[1], int(sys.argv[2])):
        await asyncio.Future()

asyncio.run(main())
