rec { 1 }
