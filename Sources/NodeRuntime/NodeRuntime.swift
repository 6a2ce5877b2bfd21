import ETF
