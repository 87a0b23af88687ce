"""Service analytics: figures per day and week aggregated in SQL, their CSV export and the weekly report."""
