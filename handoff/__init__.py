"""Human handoff: work orders, their numbering, urgency and SLA rules."""
