"""What the directory tells the apps above it, without importing them."""

from django.dispatch import Signal

# An HR import has been applied (sent after its transaction commits). Arguments:
# new_directors — employee numbers newly appointed to 部長級 by this import.
imported = Signal()
