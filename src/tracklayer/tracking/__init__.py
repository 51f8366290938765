"""Multi-target tracking over tables: motion and measurement models, batched filters,
gating and association, initiation, track management and the tracker step."""

TENTATIVE, CONFIRMED, DELETED = 0, 1, 2
STATUSES = ("tentative", "confirmed", "deleted")
