/* kb-portal: search through the portal's API (written in the next step). */
