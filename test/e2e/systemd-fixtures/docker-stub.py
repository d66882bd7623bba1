# Stands in for dockerd in test/e2e/ship-systemd.test.ts: answers the Docker API's /_ping on the
# socket that Debian's docker.socket creates (/run/docker.sock, root:docker 0660) and passes as fd 3.
import socket

server = socket.socket(fileno=3)
while True:
    conn, _ = server.accept()
    with conn:
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK")
