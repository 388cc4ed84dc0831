package forecourt.sim;

/** One simulated party (an acquirer, the CSMS, a charger fleet...) hosted by this process. */
public interface Simulator {
    /** What it plays and where it listens, for the start-up line. */
    String describe();
}
