"""The Store tab: browsing apps on the Hub, app pages, My apps, and launching apps in each tool."""
