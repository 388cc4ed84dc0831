package forecourt.api.device;

/** Whether a driver can reach its device right now. */
public enum LinkState {
    UP, DOWN, UNKNOWN
}
