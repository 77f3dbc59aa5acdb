"""Reports: the kinds, their parameters and rows, the files, the job's life on the row, requests."""
