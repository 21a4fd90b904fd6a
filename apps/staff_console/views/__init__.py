"""The console's pages by area; none is decorated one by one: ``apps.staff_console.gate`` guards them all."""
