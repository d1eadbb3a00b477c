"""District scale: a district file of many schools, what-ifs to sweep, executors, resume."""
