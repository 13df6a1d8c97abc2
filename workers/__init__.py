"""Background jobs (arq): routes without HTTP."""
