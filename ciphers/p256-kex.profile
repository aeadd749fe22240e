# Key exchange over NIST P-256 instead of X25519: compare with
# x25519-aes128 to see what the group costs per handshake.
description   = TLS 1.3, AES-128-GCM, P-256 key exchange
tls_min       = 1.3
tls13_ciphers = TLS_AES_128_GCM_SHA256
groups        = P-256
