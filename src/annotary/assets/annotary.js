/* Annotary: popovers (placeholder) */
