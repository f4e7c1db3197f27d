from registry.cli import main

if __name__ == "__main__":  # render workers (forkserver) re-import the main module: never run it twice
    main()
