#!/usr/bin/env python3
"""A small HTTP server that answers every GET with one file, sent with
socket.sendfile(), one connection at a time, for ever: the kind of server
zclab's program scenarios test. Usage: sendfile_server.py ADDRESS PORT FILE

It states the file's size as Content-Length, then sends what sendfile gives;
when the file shrank meanwhile it logs the short count and closes the
connection, and goes on serving.
"""
import os
import socket
import sys


def serve(address, port, path):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((address, port))
        listener.listen(8)
        print(f"serving {path} on {address}:{port}", flush=True)
        while True:
            connection, peer = listener.accept()
            with connection:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = connection.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                if not request:
                    continue
                with open(path, "rb") as file:
                    size = os.fstat(file.fileno()).st_size
                    connection.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                        + f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode())
                    sent = connection.sendfile(file)
                print(f"{peer[0]}: sent {sent} of {size} bytes" + ("" if sent == size else " (short)"), flush=True)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), sys.argv[3])
