# The common case: what most TLS 1.3 clients and servers negotiate first.
description   = TLS 1.3, AES-128-GCM, X25519 (the usual default)
tls_min       = 1.3
tls13_ciphers = TLS_AES_128_GCM_SHA256
groups        = X25519
