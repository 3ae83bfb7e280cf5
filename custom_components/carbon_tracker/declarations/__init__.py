"""Personal carbon declarations: a person's own days, declared by action, phone or quick form."""
