"""Codec pieces shared by the token-based readers and writers (CoNLL-2003, CoNLL-U, JSONL).

Pure functions over plain values: IOB / BILUO tag sequences, UD ``Entity=`` brackets,
line decoding with exact line numbers, and token alignment of character spans.
"""
