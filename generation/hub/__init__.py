"""Around the data: the dataset card (Hub metadata, license, statistics, plots) and publishing."""
