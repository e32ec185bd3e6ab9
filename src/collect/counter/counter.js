/* Calypso counter: placeholder until the counter script lands. */
