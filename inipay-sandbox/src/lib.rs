//! A local KG INICIS for offline tests. Skeleton: the sandbox issue fills it in.
