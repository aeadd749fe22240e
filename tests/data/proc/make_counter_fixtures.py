#!/usr/bin/env python3
"""Regenerate snmp_before/netstat_before/snmp_after/netstat_after (test_kernel_netstat.c).

Run as root; takes ~2.5 minutes (two 61 s waits so TIME_WAIT sockets expire):
    ip netns add tlsprof-fixture && ip -n tlsprof-fixture link set lo up
    ip netns exec tlsprof-fixture python3 make_counter_fixtures.py OUTDIR
    ip netns del tlsprof-fixture
Then update the EXPECT_* values in tests/unit/test_kernel_netstat.c from the new deltas.
"""
import shutil
import socket
import subprocess
import sys
import time

out = sys.argv[1] if len(sys.argv) > 1 else '.'


def capture(tag):
    shutil.copy('/proc/net/snmp', f'{out}/snmp_{tag}')
    shutil.copy('/proc/net/netstat', f'{out}/netstat_{tag}')


def client_closes_first(listener, port, n):
    for _ in range(n):
        c = socket.create_connection(('127.0.0.1', port))
        s, _ = listener.accept()
        c.close()
        s.recv(10)
        s.close()


ls = socket.socket()
ls.bind(('127.0.0.1', 0))
ls.listen(16)
port = ls.getsockname()[1]
client_closes_first(ls, port, 5)  # 5 TIME_WAITs, expired before 'before'
time.sleep(61)
capture('before')

# 7 TIME_WAITs that expire before 'after' (TW +7)
client_closes_first(ls, port, 7)

# 2 dropped SYNs (TCPSynRetrans/TCPTimeouts/RetransSegs +2); this connection
# is closed client first too (TW +1)
ls2 = socket.socket()
ls2.bind(('127.0.0.1', 0))
ls2.listen(16)
p2 = ls2.getsockname()[1]
rule = f'-p tcp --syn --dport {p2} -m statistic --mode nth --every 1000 --packet 0 -j DROP'
subprocess.check_call(f'iptables -w -A INPUT {rule}', shell=True)
subprocess.check_call(f'iptables -w -A INPUT {rule}', shell=True)
c = socket.create_connection(('127.0.0.1', p2), timeout=20)
s, _ = ls2.accept()
c.close()
s.close()

# accept queue overflow: backlog 0, never accepted, 4 clients
# (ListenOverflows/ListenDrops, and the clients' SYN retransmissions)
ls3 = socket.socket()
ls3.bind(('127.0.0.1', 0))
ls3.listen(0)
p3 = ls3.getsockname()[1]
clients = []
for _ in range(4):
    x = socket.socket()
    x.setblocking(False)
    try:
        x.connect(('127.0.0.1', p3))
    except BlockingIOError:
        pass
    clients.append(x)
time.sleep(1.5)
for x in clients:
    x.close()
ls3.close()

# data after the client shut its side down: RST and TCPAbortOnData +3
for _ in range(3):
    c = socket.create_connection(('127.0.0.1', port))
    s, _ = ls.accept()
    c.shutdown(socket.SHUT_RDWR)
    time.sleep(0.05)
    s.send(b'late data')
    time.sleep(0.05)
    s.close()
    c.close()

time.sleep(61)
capture('after')
