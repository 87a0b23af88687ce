"""Knowledge base: entries, encoders, the hybrid FAISS + BM25 index and its store."""
