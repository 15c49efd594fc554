import PeerKit; print("x")
