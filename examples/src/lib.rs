//! Runnable example shops for inipay (the demo shop arrives with the adapter issues).
