//! Actix-web adapter for inipay. Skeleton: the adapter issue fills it in.
