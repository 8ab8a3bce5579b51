"""Known facts about the Chicago taxi CSV shipped in the tfx wheel, shared by tests."""

SPLITS = ['train', 'eval', 'test']
# StratifiedSplitter 8:1:1 on payment_type, as a run on the taxi CSV gives it: the rule's table of
# core/split/allocation.py for the class sizes (Cash 9909, Credit Card 4975, No Charge 81, Unknown
# 29, Dispute 4, Pcard 3, Prcard 1): every class within 1 of its share in every split (but where
# presence takes a unit from train: Dispute, Pcard), every split within 1 of its share (12001.6,
# 1500.2, 1500.2); which classes round up where follows from the data's hashes.
EXPECTED_SPLIT_COUNTS = {
    'Cash': {'train': 7928, 'eval': 990, 'test': 991},
    'Credit Card': {'train': 3980, 'eval': 498, 'test': 497},
    'No Charge': {'train': 65, 'eval': 8, 'test': 8},
    'Unknown': {'train': 24, 'eval': 3, 'test': 2},
    'Dispute': {'train': 2, 'eval': 1, 'test': 1},
    'Pcard': {'train': 1, 'eval': 1, 'test': 1},
    'Prcard': {'train': 1, 'eval': 0, 'test': 0},
}
