import PeerKit; import ArgumentParser; print("x")
