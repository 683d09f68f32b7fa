"""The file list: drop zone, intake, the files model and panel, the background checker."""
