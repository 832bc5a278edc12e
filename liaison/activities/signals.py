"""What the activity register tells the modules built on it.

`activity_changed` is sent inside the transaction of every write to an activity (from
`liaison.activities.services`), so a receiver's own writes commit or roll back with the change.
Arguments: `activity`, `kind` ("created", "updated", "status" or "deleted") and `fields`, the
names of what changed (for "status", ["status"]).
"""

from django.dispatch import Signal

activity_changed = Signal()
