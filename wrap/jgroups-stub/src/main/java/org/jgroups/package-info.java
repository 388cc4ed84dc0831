/** Deliberately empty: see bnd.bnd. */
package org.jgroups;
