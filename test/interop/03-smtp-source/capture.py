"""A one-shot SMTP sink: prints its port, takes one session, writes the message it got (dot-unstuffed, as
sent, CRLF and all) to the file named by argv[1], then exits. Used to learn what smtp-source sends."""
import socket
import sys

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(30)
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
conn.settimeout(30)
f = conn.makefile("rb")
conn.sendall(b"220 capture ESMTP\r\n")
message, in_data = [], False
while True:
    line = f.readline()
    if not line:
        break
    if in_data:
        if line == b".\r\n":
            in_data = False
            with open(sys.argv[1], "wb") as out:
                out.write(b"".join(message))
            conn.sendall(b"250 2.0.0 Ok\r\n")
        else:
            message.append(line[1:] if line.startswith(b".") else line)
        continue
    verb = line[:4].upper()
    if verb == b"DATA":
        in_data = True
        conn.sendall(b"354 go ahead\r\n")
    elif verb == b"QUIT":
        conn.sendall(b"221 2.0.0 Bye\r\n")
        break
    else:
        conn.sendall(b"250 Ok\r\n")
conn.close()
