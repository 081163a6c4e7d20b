//! INIAPI (placeholder)
