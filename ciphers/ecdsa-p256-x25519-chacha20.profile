# Everything pinned: suite, key exchange and the server's signature. The
# server must have an ECDSA P-256 certificate.
description   = TLS 1.3, ChaCha20-Poly1305, X25519, ECDSA P-256 signatures
tls_min       = 1.3
tls_max       = 1.3
tls13_ciphers = TLS_CHACHA20_POLY1305_SHA256
groups        = X25519
sigalgs       = ecdsa_secp256r1_sha256
