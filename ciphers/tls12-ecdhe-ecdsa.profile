# TLS 1.2 only, for comparing with TLS 1.3 (one more round trip for a full
# handshake). Needs a server with an ECDSA certificate.
description   = TLS 1.2, ECDHE-ECDSA with AES-128-GCM or ChaCha20-Poly1305
tls_min       = 1.2
tls_max       = 1.2
ciphers       = ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305
groups        = X25519:P-256
sigalgs       = ecdsa_secp256r1_sha256
