# AES-128-GCM records; fast where the CPU has AES and carry-less multiply
# instructions (x86 AES-NI + PCLMULQDQ, ARMv8 AES + PMULL).
description   = TLS 1.3, AES-128-GCM records, default key exchange
tls_min       = 1.3
tls13_ciphers = TLS_AES_128_GCM_SHA256
