"""What every area's views share: the signed-in user, loaders, commits, confirmations, lists."""
